"""gzip for pages and static files, only when the browser asks for it."""

from __future__ import annotations

import gzip


GZIP = {"Accept-Encoding": "gzip, deflate"}


def test_a_page_is_compressed_when_the_browser_accepts_gzip(client, make_user):
    plain = client.get("/connexion")
    assert "Content-Encoding" not in plain.headers
    packed = client.get("/connexion", headers=GZIP)
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data) * 0.6
    # Same page, apart from the CSRF token that each answer makes anew.
    text = gzip.decompress(packed.data).decode()
    assert text.split('name="csrf_token"')[0] == plain.get_data(as_text=True).split('name="csrf_token"')[0]


def test_the_stylesheet_is_compressed_once_with_its_own_tag(client):
    page = client.get("/connexion").get_data(as_text=True)
    href = page.split('rel="stylesheet" href="')[1].split('"')[0]
    plain = client.get(href)
    first = client.get(href, headers=GZIP)
    second = client.get(href, headers=GZIP)
    assert first.headers["Content-Encoding"] == "gzip" and first.data == second.data
    assert gzip.decompress(first.data) == plain.data
    assert first.headers["ETag"] != plain.headers["ETag"]
    assert first.headers["Cache-Control"] == plain.headers["Cache-Control"]


def test_json_csv_and_refusals_of_gzip_are_left_alone(app, client, make_user):
    assert "Content-Encoding" not in client.get("/connexion", headers={"Accept-Encoding": "gzip;q=0"}).headers
    assert "Content-Encoding" not in client.get("/sante", headers=GZIP).headers


def test_compression_can_be_left_to_a_proxy(app_config):
    from lycee_ia import create_app

    quiet = create_app({**app_config, "COMPRESS": False})
    assert "Content-Encoding" not in quiet.test_client().get("/connexion", headers=GZIP).headers
