"""`SdpDirectory` implementations over an imported snapshot."""

from __future__ import annotations

from shared.domain.sdp import SdpCandidate, SdpQuery, SdpUnavailable
from shared.sdp_directory.index import SdpIndex
from shared.sdp_directory.matching import MatchPolicy, search_index


class SnapshotSdpDirectory:
    """The port over one loaded index: pure in-memory, no I/O per lookup."""

    def __init__(self, index: SdpIndex, policy: MatchPolicy | None = None):
        self.index = index
        self.policy = policy or MatchPolicy()

    def search(self, query: SdpQuery, limit: int = 5) -> list[SdpCandidate]:
        if not (query.prisoner_name or "").strip() and not query.registration_number:
            return []
        return search_index(self.index, query, limit, self.policy)


class EmptySdpDirectory:
    """No snapshot has been imported yet: every lookup waits for an operator."""

    def search(self, query: SdpQuery, limit: int = 5) -> list[SdpCandidate]:
        raise SdpUnavailable("belum ada data SDP yang diimpor")
