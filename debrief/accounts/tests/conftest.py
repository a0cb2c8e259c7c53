"""The accounts tests use the shared set-up of the root conftest (HTTPS client,
static files without a manifest, fast password hashing)."""
