"""Where the generated pages go, and the names no id may take (pure data, for the plugin, the
page builders and the checks of case and catalogue ids)."""

from __future__ import annotations

#: the generated sections: each has an index page and a page per id (case, key type, client)
SECTIONS = ("cases", "key-types", "acme-clients", "stacks", "clients", "client-families")
#: names no case, key type or ACME client id may take, so that no generated page takes the
#: place of another (`cases/index.md`) and none would if a section's pages moved up a level:
#: a section's index page, the sections, kb/'s top-level pages and folders, and what MkDocs
#: and Material write beside them (search index, assets, 404 page, sitemap), and the folders of
#: the other languages' editions (languages.py)
RESERVED_IDS = ("index", *SECTIONS, "guides", "tags", "contributing", "install", "assets", "search",
                "javascripts", "stylesheets", "404", "sitemap", "ja")
