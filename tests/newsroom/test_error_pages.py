def test_server_error_shows_the_styled_500_page(db, client, monkeypatch):
    from articles import views

    def explode(self, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.HomeView, "get_context_data", explode)
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert "boom" not in html  # no internals leak to readers


def test_not_found_page_offers_search_and_home(db, client):
    response = client.get("/category/no-such-section/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'action="/search/"' in html
    assert "Page not found" in html
