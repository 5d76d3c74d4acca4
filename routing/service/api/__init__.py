"""The HTTP layer: routers (one module per resource), authentication, problem+json errors."""
