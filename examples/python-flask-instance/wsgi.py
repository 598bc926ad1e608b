from bookmarks import create_app

app = create_app()
