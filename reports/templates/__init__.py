"""The HTML report templates (Jinja2), installed as the package data ``hatls.templates``.

This folder is a package only so that importlib.resources finds it in editable installs as well
as in wheels (pyproject maps ``hatls.templates`` here). Templates live in ``*.j2``; a user's
``--template-dir`` may override any of them by name.
"""
