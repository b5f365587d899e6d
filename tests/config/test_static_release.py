"""A release collects the static files as the README's production steps do: into hashed,
compressed copies listed in a manifest, which the pages then link to."""

import json

from django.core.management import call_command

PRODUCTION_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_collectstatic_builds_the_manifest_and_even_a_cached_page_links_the_new_files(
    settings, tmp_path, client_a
):
    before = client_a.get("/").content.decode()  # now in the page cache
    assert '/static/reservations/booking.css"' in before
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION_STORAGE}}

    # A file that refers to one not shipped (a source map, say) fails the whole release.
    call_command("collectstatic", interactive=False, verbosity=0)

    paths = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    for name in ("analytics/vendor/chart.umd.min.js", "reservations/booking.css"):
        assert (tmp_path / paths[name]).is_file() and paths[name] != name
    # The page cached before the release is not served with the old links.
    page = client_a.get("/").content.decode()
    assert f'/static/{paths["reservations/booking.css"]}"' in page
