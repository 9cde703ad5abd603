"""Demo content for `manage.py seed_demo`: the seed page's text, original stories, images."""
