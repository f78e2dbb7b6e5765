"""The tamper-evident log of journal entries and loan events: an RFC 9162 Merkle tree, signed heads, proofs.

Pure: values in, values out. Storage (the `audit_log` table) and the CLI live at the edges and
call in here; see docs/reliability.md for what the log proves and what it cannot.
"""

from creditline.ledger.transparency.errors import (
    InvalidKey,
    InvalidProof,
    InvalidRecord,
    InvalidSignature,
    TransparencyError,
)
from creditline.ledger.transparency.heads import (
    RecordReceipt,
    SignedTreeHead,
    TreeHead,
    key_id_of,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_pem,
    sign_head,
    sign_receipt,
)
from creditline.ledger.transparency.ledger_records import journal_entry_record
from creditline.ledger.transparency.log_verifier import Finding, LogReport, Problem, StoredRecord, verify_log
from creditline.ledger.transparency.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    Frontier,
    MerkleTree,
    leaf_hash,
    node_hash,
    root_of,
)
from creditline.ledger.transparency.proofs import (
    ConsistencyBundle,
    InclusionBundle,
    ProvedRecord,
    bundle_from_json,
    check_consistency_bundle,
    check_inclusion_bundle,
    prove_consistency,
    prove_inclusion,
)
from creditline.ledger.transparency.records import (
    LEAF_FORMAT_VERSION,
    JournalEntryRecord,
    LoanEventRecord,
    LogRecord,
    NamedAmount,
    PostingLine,
    decode_record,
    encode_record,
    pseudonymous_id,
)
from creditline.ledger.transparency.sequencer import SequencedRecord, publish_head, sequence
from creditline.ledger.transparency.verification import (
    root_from_inclusion_path,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "LEAF_FORMAT_VERSION",
    "ConsistencyBundle",
    "Finding",
    "Frontier",
    "InclusionBundle",
    "InvalidKey",
    "InvalidProof",
    "InvalidRecord",
    "InvalidSignature",
    "JournalEntryRecord",
    "LoanEventRecord",
    "LogRecord",
    "LogReport",
    "MerkleTree",
    "NamedAmount",
    "PostingLine",
    "Problem",
    "ProvedRecord",
    "RecordReceipt",
    "SequencedRecord",
    "SignedTreeHead",
    "StoredRecord",
    "TransparencyError",
    "TreeHead",
    "bundle_from_json",
    "check_consistency_bundle",
    "check_inclusion_bundle",
    "decode_record",
    "encode_record",
    "journal_entry_record",
    "key_id_of",
    "leaf_hash",
    "load_private_key",
    "load_public_key",
    "node_hash",
    "private_key_pem",
    "prove_consistency",
    "prove_inclusion",
    "pseudonymous_id",
    "public_key_pem",
    "publish_head",
    "root_from_inclusion_path",
    "root_of",
    "sequence",
    "sign_head",
    "sign_receipt",
    "verify_consistency",
    "verify_inclusion",
    "verify_log",
]
