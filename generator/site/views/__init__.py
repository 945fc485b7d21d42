"""Pure view models of the site's pages: what each page shows, built from cases, the
catalogue and the recorded clients, for the templates in generator/site/templates/."""
