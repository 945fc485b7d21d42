"""The site: a MkDocs plugin that generates the case, key-type and ACME-client pages from cases/
and the catalogue at build time (nothing generated is committed)."""
