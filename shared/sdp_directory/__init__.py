"""The SDP directory: imported SDP exports (or an SDP web service) behind the `SdpDirectory`
port, with Indonesian-aware fuzzy name matching.

Core modules (`names`, `matching`, `index`, `records`, `synthetic`, `importer`) import no cloud
library; `gcp` holds the Google Cloud persistence and is imported only when asked for.
"""
