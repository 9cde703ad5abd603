"""Names per language: how a row keeps its names (and descriptions, bios) in the
site's other editions, read in the active language, and the admin inputs for them.
Shared by sections (categories), bylines (authors) and tags (articles); imports no
project app."""
