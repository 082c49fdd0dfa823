"""In-memory ports for unit tests of the domain and service layer."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from shared.adapters.records import from_document, to_document
from shared.domain.sdp import SdpCandidate, SdpQuery, SdpUnavailable
from shared.service_layer.ports import (
    Dependencies,
    DuplicateSubmission,
    IdempotencyClaim,
    RequestNotFound,
    StoredFile,
    Task,
    TrackingCodeTaken,
    UploadInstruction,
)
from tests.fakes_conversations import conversations_of


class InMemoryRequests:
    """Stores documents, not objects, so the record mapping is exercised as with Firestore."""

    def __init__(self):
        self.documents: dict[str, dict] = {}
        self.codes: dict[str, str] = {}
        self.keys: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()

    def add(self, request, claim: IdempotencyClaim) -> None:
        with self._lock:
            if claim.key_hash in self.keys:
                raise DuplicateSubmission(*self.keys[claim.key_hash])
            if request.tracking_code in self.codes:
                raise TrackingCodeTaken
            self.documents[request.request_id] = to_document(request)
            self.codes[request.tracking_code] = request.request_id
            self.keys[claim.key_hash] = (request.request_id, claim.payload_fingerprint)

    def get(self, request_id):
        document = self.documents.get(request_id)
        return from_document(document) if document else None

    def get_by_tracking_code(self, tracking_code):
        request_id = self.codes.get(tracking_code)
        return self.get(request_id) if request_id else None

    def update(self, request_id, change):
        with self._lock:
            if request_id not in self.documents:
                raise RequestNotFound(request_id)
            request = from_document(self.documents[request_id])
            result = change(request)
            self.documents[request_id] = to_document(request)
            return result

    def list_by_status(self, status, entered_before, limit=100):
        found = [
            from_document(d)
            for d in self.documents.values()
            if d["status"] == status.value and d["status_entered_at"] < entered_before
        ]
        return sorted(found, key=lambda r: r.entered_at(r.status))[:limit]


class InMemoryStore:
    """The unit of work's store over the same documents the in-memory repositories hold: a
    step's writes are buffered and applied together, or not at all when the step raises."""

    def __init__(self, requests, messages=None, audit=None):
        self.requests = requests
        self.messages = messages if messages is not None else InMemoryMessages()
        self.audit = audit if audit is not None else InMemoryAudit()
        self.outbox: dict[str, dict] = {}
        self.complaints = InMemoryComplaints()
        self.survey_invitations: dict[str, dict] = {}
        self.survey_answers: dict[str, dict] = {}
        self.privacy_requests: dict[str, dict] = {}
        self.fail_next_commit = False
        self._lock = threading.RLock()

    def transaction(self, step):
        with self._lock:
            tx = _InMemoryTransaction(self)
            result = step(tx)
            if self.fail_next_commit:
                self.fail_next_commit = False
                from shared.service_layer.ports import Contention

                raise Contention("injected")
            for apply in tx.writes:
                apply()
            return result, tx.outbox_added

    def due_outbox(self, now, limit=200):
        from shared.adapters.records import outbox_from_document

        due = [
            outbox_from_document(d)
            for d in self.outbox.values()
            if d["state"] == "open" and d["due_at"] <= now
        ]
        return sorted(due, key=lambda e: e.due_at)[:limit]

    def outbox_entry(self, entry_id):
        from shared.adapters.records import outbox_from_document

        document = self.outbox.get(entry_id)
        return outbox_from_document(document) if document else None

    def open_entries(self):
        return [e for e in map(self.outbox_entry, self.outbox) if e.is_open]


class _InMemoryTransaction:
    def __init__(self, store: InMemoryStore):
        self.store = store
        self.writes: list = []
        self.outbox_added: list = []

    def request(self, request_id):
        return self.store.requests.get(request_id)

    def save_request(self, request):
        document = to_document(request)
        self.writes.append(
            lambda: self.store.requests.documents.update({request.request_id: document})
        )

    def message(self, message_id):
        return self.store.messages.get(message_id)

    def save_message(self, message):
        from shared.adapters.firestore_messages import message_to_document

        document = message_to_document(message)
        self.writes.append(
            lambda: self.store.messages.documents.update({message.message_id: document})
        )

    def conversation(self, request_id):
        return conversations_of(self.store).get(request_id)

    def save_conversation(self, conversation):
        from shared.adapters.firestore_conversations import conversation_to_document

        document = conversation_to_document(conversation)
        documents = conversations_of(self.store).documents
        self.writes.append(lambda: documents.update({conversation.request_id: document}))

    def survey_invitation(self, token_hash):
        from shared.adapters.firestore_survey import invitation_from_document

        document = self.store.survey_invitations.get(token_hash)
        return invitation_from_document(document) if document else None

    def save_survey_invitation(self, invitation):
        from shared.adapters.firestore_survey import invitation_to_document

        document = invitation_to_document(invitation)
        self.writes.append(
            lambda: self.store.survey_invitations.update({invitation.token_hash: document})
        )

    def save_survey_answer(self, answer):
        from shared.adapters.firestore_survey import answer_to_document

        document = answer_to_document(answer)
        self.writes.append(lambda: self.store.survey_answers.update({answer.answer_id: document}))

    def complaint(self, complaint_id):
        return self.store.complaints.get(complaint_id)

    def save_complaint(self, complaint):
        from shared.adapters.firestore_complaints import complaint_to_document

        document = complaint_to_document(complaint)
        self.writes.append(
            lambda: self.store.complaints.documents.update({complaint.complaint_id: document})
        )

    def privacy_request(self, privacy_request_id):
        from shared.domain.privacy_requests import from_document

        document = self.store.privacy_requests.get(privacy_request_id)
        return from_document(document) if document else None

    def save_privacy_request(self, item):
        from shared.domain.privacy_requests import to_document

        document = to_document(item)
        key = item.privacy_request_id
        self.writes.append(lambda: self.store.privacy_requests.update({key: document}))

    def audit(self, event):
        self.writes.append(lambda: self.store.audit.append(event))

    def outbox_entry(self, entry_id):
        return self.store.outbox_entry(entry_id)

    def add_outbox(self, entry):
        if self.store.outbox_entry(entry.entry_id) is not None or any(
            e.entry_id == entry.entry_id for e in self.outbox_added
        ):
            return False
        self.save_outbox(entry)
        self.outbox_added.append(entry)
        return True

    def save_outbox(self, entry):
        from shared.adapters.records import outbox_to_document

        document = outbox_to_document(entry)
        self.writes.append(lambda: self.store.outbox.update({entry.entry_id: document}))


class InMemoryComplaints:
    """Complaint documents, as `shared.adapters.firestore_complaints` stores them."""

    def __init__(self):
        self.documents: dict[str, dict] = {}

    def get(self, complaint_id):
        from shared.adapters.firestore_complaints import complaint_from_document

        document = self.documents.get(complaint_id)
        return complaint_from_document(document) if document else None

    def in_status(self, status, limit=500):
        found = [self.get(i) for i, d in self.documents.items() if d["status"] == status.value]
        return sorted(found, key=lambda c: c.created_at)[:limit]

    def created_between(self, start, end, limit=20000):
        found = [self.get(i) for i in self.documents]
        return sorted((c for c in found if start <= c.created_at < end), key=lambda c: c.created_at)


class InMemoryClaims:
    def __init__(self):
        self.claims: dict[str, datetime] = {}  # name -> expires at

    def claim(self, name, now, lease):
        if name in self.claims and self.claims[name] > now:
            return False
        self.claims[name] = now + lease
        return True

    def release(self, name):
        self.claims.pop(name, None)


class InMemoryFiles:
    def __init__(self):
        self.objects: dict[str, tuple[bytes, str, dict]] = {}
        self.generation = 0
        self.signed: list[tuple[str, str, int, timedelta]] = []

    def upload_instruction(self, object_name, content_type, max_bytes, valid_for):
        self.signed.append((object_name, content_type, max_bytes, valid_for))
        return UploadInstruction(
            url=f"https://storage.test/{object_name}?signed",
            method="PUT",
            headers={"Content-Type": content_type, "x-goog-content-length-range": f"1,{max_bytes}"},
            expires_at=datetime.now(UTC) + valid_for,
        )

    def put(self, object_name, data, content_type="image/jpeg", metadata=None):
        """What the browser's signed PUT does."""
        return self.write(object_name, data, content_type, metadata or {})

    def read(self, object_name, max_bytes):
        if object_name not in self.objects:
            return None
        data, content_type, metadata = self.objects[object_name]
        return StoredFile(
            object_name,
            data[: max_bytes + 1],
            content_type,
            len(data),
            str(self.generation),
            dict(metadata),
        )

    def write(self, object_name, data, content_type, metadata):
        self.generation += 1
        self.objects[object_name] = (data, content_type, dict(metadata))
        return str(self.generation)

    def delete(self, object_name):
        self.objects.pop(object_name, None)

    def list_objects(self, prefix, limit):
        from shared.service_layer.ports import UploadedObject

        return [
            UploadedObject("bucket", name, str(self.generation), len(data), content_type)
            for name, (data, content_type, _) in sorted(self.objects.items())
            if name.startswith(prefix)
        ][:limit]


class InMemoryTasks:
    """Refuses a second task of the same name, as Cloud Tasks does."""

    def __init__(self):
        self.tasks: list[Task] = []
        self.fail_next = False

    def enqueue(self, task: Task) -> None:
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("queue unreachable")
        if any(t.queue == task.queue and t.name == task.name for t in self.tasks):
            return
        self.tasks.append(task)


class ListDirectory:
    def __init__(self, people: list[SdpCandidate] | None = None):
        self.people = people or []
        self.down = False
        self.queries: list[SdpQuery] = []

    def search(self, query: SdpQuery, limit: int = 5):
        self.queries.append(query)
        if self.down:
            raise SdpUnavailable("directory down")
        wanted = query.prisoner_name.lower().split()
        hits = [p for p in self.people if any(w in p.name.lower() for w in wanted)]
        return hits[:limit]


class FixedClock:
    def __init__(self, now: datetime | None = None):
        self.current = now or datetime(2026, 11, 28, 3, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta) -> None:
        self.current += timedelta(**delta)


def fake_dependencies(**overrides) -> Dependencies:
    """The one container, on fakes: the pipeline, the message store and the audit trail share
    the store's documents; `fake_dispatch_dependencies` and `fake_operator_dependencies` add
    the notifiers and the operator page's parts to the same container."""
    requests = overrides.pop("requests", None) or InMemoryRequests()
    store = InMemoryStore(requests)
    values = dict(
        requests=requests,
        store=store,
        claims=InMemoryClaims(),
        files=InMemoryFiles(),
        tasks=InMemoryTasks(),
        sdp=ListDirectory(),
        clock=FixedClock(),
        sdp_lookup_queue="sdp-lookup",
        upload_url_valid_for=timedelta(minutes=15),
        office_name="Kanwil Ditjenpas Banten",
        messages=store.messages,
        conversations=conversations_of(store),
        audit=store.audit,
        archive=InMemoryArchive(requests),
        complaints=store.complaints,
    )
    values.update(overrides)
    return Dependencies(**values)


def _add_parts(core: Dependencies, defaults: dict, overrides: dict) -> Dependencies:
    for name, value in {**defaults, **overrides}.items():
        setattr(core, name, value)
    return core


class InMemoryRateLimiter:
    """Counts per key as the Firestore limiter does (the window is part of the key)."""

    def __init__(self):
        self.counts: dict[str, int] = {}

    def hit(self, key, limit, window, now) -> bool:
        used = self.counts.get(key, 0)
        if used >= limit:
            return False
        self.counts[key] = used + 1
        return True

    def failures(self, keys):
        return {k: (self.counts[k], None) for k in keys if k in self.counts}

    def count(self, keys, now, purge_after):
        for key in dict.fromkeys(keys):
            self.counts[key] = self.counts.get(key, 0) + 1


# --- operator side ----------------------------------------------------------------------------


class InMemoryOperators:
    def __init__(self):
        self.documents: dict[str, dict] = {}
        self._lock = threading.Lock()

    def add(self, operator):
        from shared.adapters.firestore_operators import operator_document
        from shared.service_layer.ports import OperatorExists

        with self._lock:
            if operator.username in self.documents:
                raise OperatorExists(operator.username)
            self.documents[operator.username] = operator_document(operator)

    def get(self, username):
        from shared.adapters.firestore_operators import operator_value

        document = self.documents.get(username)
        return operator_value(document) if document else None

    def update(self, username, change):
        from shared.adapters.firestore_operators import operator_document, operator_value
        from shared.service_layer.ports import OperatorNotFound

        with self._lock:
            if username not in self.documents:
                raise OperatorNotFound(username)
            operator = operator_value(self.documents[username])
            result = change(operator)
            self.documents[username] = operator_document(operator)
            return result

    # Sign-in failure counters, as FirestoreRateLimiter keeps them (count, last, tag).
    def failures(self, keys):
        found = getattr(self, "counters", {})
        return {k: (found[k]["count"], found[k]["last_at"]) for k in keys if k in found}

    def count_failures(self, keys, now, purge_after, restart=(), tags=None):
        self.counters = getattr(self, "counters", {})
        for key in dict.fromkeys(keys):
            old = self.counters.get(key, {"count": 0})
            count = 1 if key in restart else old["count"] + 1
            self.counters[key] = {**old, "count": count, "last_at": now}
            if tags and key in tags:
                self.counters[key]["tag"] = tags[key]

    def clear_failures(self, keys=(), tag=None):
        self.counters = {
            k: c
            for k, c in getattr(self, "counters", {}).items()
            if k not in keys and (tag is None or c.get("tag") != tag)
        }

    def list(self):
        return [self.get(name) for name in sorted(self.documents)]


class InMemorySessions:
    def __init__(self):
        self.sessions: dict = {}

    def add(self, session, purge_after):
        self.sessions[session.session_id] = session

    def get(self, session_id):
        return self.sessions.get(session_id)

    def touch(self, session_id, at):
        self.sessions[session_id].last_seen_at = at

    def revoke(self, session_id, at):
        self.sessions[session_id].revoked_at = at


class InMemoryAudit:
    def __init__(self):
        self.events: list = []

    def append(self, event):
        self.events.append(event)

    def recent(self, limit=200, actions=None):
        wanted = set(actions or ())
        found = [e for e in self.events if not wanted or e.action in wanted]
        return list(reversed(found))[:limit]

    def for_target(self, target, limit=100):
        return [e for e in self.events if e.target == target][:limit]

    def actions(self):
        return [e.action for e in self.events]


class InMemoryArchive:
    def __init__(self, requests: InMemoryRequests):
        self._requests = requests

    def created_between(self, start, end, limit=20000):
        found = [
            from_document(d)
            for d in self._requests.documents.values()
            if start <= d["created_at"] < end
        ]
        return sorted(found, key=lambda r: r.created_at)[:limit]


class PlainHasher:
    """Not a password hash: a stand-in so unit tests do not spend 50 ms per argon2 call."""

    def hash(self, password):
        return "plain$" + password

    def verify(self, password_hash, password):
        return password_hash == "plain$" + password

    def needs_rehash(self, password_hash):
        return False


class InMemoryTemplates:
    """Stores documents, as Firestore does, so the template mapping is exercised too."""

    def __init__(self):
        self.documents: dict[str, dict] = {}
        self.reads = 0  # of the whole collection, for the cache tests

    def get(self, kind, language):
        from shared.adapters.firestore_templates import document_id, template_value

        document = self.documents.get(document_id(kind, language))
        return template_value(document) if document else None

    def all(self):
        from shared.adapters.firestore_templates import template_value

        self.reads += 1
        return [template_value(d) for d in self.documents.values()]

    def put(self, record):
        from shared.adapters.firestore_templates import document_id, template_document
        from shared.service_layer.message_template_admin import VersionConflict

        current = self.get(record.kind, record.language)
        if (current.version if current else 0) != record.version - 1:
            raise VersionConflict(current)
        self.documents[document_id(record.kind, record.language)] = template_document(record)


def fake_operator_dependencies(core=None, **overrides):
    from shared.domain.sla import OfficeHours

    core = core or fake_dependencies()
    defaults = dict(
        operators=core.operators or InMemoryOperators(),
        sessions=core.sessions or InMemorySessions(),
        hasher=PlainHasher(),
        session_key=b"unit-test-session-key",
        office_hours=OfficeHours.parse("1-7 00:00-23:59 +07:00"),
        template_store=core.template_store or InMemoryTemplates(),
    )
    return _add_parts(core, defaults, overrides)


# --- dispatch ---------------------------------------------------------------------------------


class InMemoryMessages:
    """Stores documents, as Firestore does, so the message mapping is exercised too."""

    def __init__(self):
        self.documents: dict[str, dict] = {}
        self._lock = threading.RLock()

    def update(self, message_id, change):
        from shared.adapters.firestore_messages import message_from_document, message_to_document

        with self._lock:
            document = self.documents.get(message_id)
            message, result = change(message_from_document(document) if document else None)
            if message is not None:
                self.documents[message_id] = message_to_document(message)
            return result

    def get(self, message_id):
        from shared.adapters.firestore_messages import message_from_document

        document = self.documents.get(message_id)
        return message_from_document(document) if document else None

    def for_request(self, request_id):
        from shared.adapters.firestore_messages import message_from_document

        return [
            message_from_document(d)
            for d in self.documents.values()
            if d["request_id"] == request_id
        ]

    def find_by_provider_id(self, provider_message_id):
        from shared.adapters.firestore_messages import message_from_document

        for document in self.documents.values():
            if document["provider_message_id"] == provider_message_id:
                return message_from_document(document)
        return None

    def in_state(self, state, limit=200):
        found = [m for m in map(self.get, self.documents) if m.state is state]
        return sorted(found, key=lambda m: m.updated_at)[:limit]


class ScriptedNotifier:
    """A provider that answers from a script: each entry is a ProviderError to raise or None
    for success; when the script is empty, success. Records what it was asked to send."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.sent: list = []
        self.script: list = []
        self.calls = 0

    def send(self, message):
        self.calls += 1
        outcome = self.script.pop(0) if self.script else None
        if outcome is not None:
            raise outcome
        self.sent.append(message)
        return f"{self.prefix}-{len(self.sent)}"


def fake_dispatch_dependencies(core=None, **overrides):

    core = core or fake_dependencies()
    defaults = dict(
        email=core.email or ScriptedNotifier("sg"),
        whatsapp=core.whatsapp or ScriptedNotifier("wamid"),
        site_url="https://remisi.example.go.id/",
        max_attempts=5,
    )
    return _add_parts(core, defaults, overrides)
