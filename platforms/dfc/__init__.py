"""The Data Food Consortium (DFC 1.16) codec: vocabulary, URIs, rendering and parsing.

Everything that crosses to or from a partner platform in JSON-LD goes through this package:
`vocabulary` (contexts, prefixes, status terms), `uris` (the @ids Larder gives its resources),
`render` (Larder objects → JSON-LD graphs), `parse` (incoming graphs → plain values).
"""
