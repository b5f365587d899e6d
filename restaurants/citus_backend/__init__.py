"""django-tenants' PostgreSQL backend for a Citus coordinator (DATABASE_ENGINE=citus).

Each restaurant's schema is a distributed schema (the database sets
``citus.enable_schema_based_sharding``, see tools/citus.py): Citus places it whole on one
worker. The public schema's tables stay local on the coordinator: no restaurant table points
at one (users, groups and content types are per restaurant). This backend only rewrites the
DDL Django emits that Citus refuses, so the migrations stay as Django wrote them.
"""
