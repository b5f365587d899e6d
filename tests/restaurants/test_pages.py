import logging

from restaurants.log import RestaurantLogFilter

"""Public pages speak the restaurant's language unless the visitor picks another."""


def test_restaurant_page_speaks_the_restaurant_language(client_a, client_b):
    spanish = client_a.get("/")
    english = client_b.get("/")

    assert "Casa Azul" in spanish.content.decode()
    assert "Acceso del personal" in spanish.content.decode()
    assert spanish["Content-Language"] == "es"
    assert "Bistro Verde" in english.content.decode()
    assert "Staff access" in english.content.decode()


def test_visitor_can_switch_the_language(client_a):
    response = client_a.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert response.status_code == 302
    assert "Staff access" in client_a.get("/").content.decode()


def test_platform_home_links_to_the_operator_admin(platform_client):
    response = platform_client.get("/")

    assert response.status_code == 200
    assert 'href="/admin/"' in response.content.decode()
    assert "Administración de la plataforma" in response.content.decode()


def test_log_lines_name_the_restaurant_schema_and_no_personal_data(client_a, caplog):
    client_a.get("/no-such-page/?email=ana@example.com")

    record = next(record for record in caplog.records if "Not Found" in record.getMessage())
    console = next(
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, RestaurantLogFilter) for f in handler.filters)
    )
    assert console.filter(record)
    line = console.format(record)
    assert "schema=casa_azul" in line
    assert "ana@example.com" not in line
