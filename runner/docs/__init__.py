"""`dango docs`: a static site under data/docs/ to browse the sources, their runs and the models.

Built offline and self-contained: every page opens from the file system or from `--serve` and no
request leaves it (a Content-Security-Policy on each page says so to the browser). dbt's own
documentation (`dbt docs generate --static`) sits beside Dango's pages as data/docs/dbt.html.
"""
