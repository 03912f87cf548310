"""The partner API: DFC JSON-LD under /api/dfc/, plain JSON under /api/v1/
(platforms/partner_api/urls.py)."""
