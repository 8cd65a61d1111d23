"""The service: FastAPI API with roles, server-rendered pages, and the background batch runner.

Import from the modules themselves (``ivs.service.app``, ``.context``, ``.jobs``, ``.users``):
the package imports none of them, so that ``ivs users`` and ``ivs signers`` load the users'
table without the web application (FastAPI, the pages, the reports' charts).
"""
