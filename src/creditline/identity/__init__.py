"""Identity: KYC field validation per jurisdiction profile, and the external verifiers' interfaces."""

from creditline.identity.bank_card import bank_card_number
from creditline.identity.checksums import iso7064_mod11_2, luhn_valid
from creditline.identity.dates import age_years
from creditline.identity.errors import (
    InvalidBankCard,
    InvalidBirthDate,
    InvalidIdentity,
    InvalidIdNumber,
    InvalidName,
    InvalidPhone,
    UnknownJurisdiction,
)
from creditline.identity.kyc import IdentityFields, VerifiedIdentity, check_identity
from creditline.identity.nik_id import Nik, make_nik, parse_nik
from creditline.identity.phone import cn_mobile_e164, id_mobile_e164
from creditline.identity.profiles import (
    INDONESIA,
    MAINLAND_CHINA,
    JurisdictionProfile,
    known_jurisdictions,
    profile,
    register_profile,
)
from creditline.identity.resident_id_cn import CnResidentId, make_cn_resident_id, parse_cn_resident_id
from creditline.identity.simulators import SimulatedBureau, SimulatedFaceMatcher, SimulatedTelco
from creditline.identity.verifiers import (
    BureauReport,
    CreditBureau,
    FaceMatch,
    FaceMatcher,
    TelcoCheck,
    TelcoVerifier,
)

__all__ = [
    "INDONESIA",
    "MAINLAND_CHINA",
    "BureauReport",
    "CnResidentId",
    "CreditBureau",
    "FaceMatch",
    "FaceMatcher",
    "IdentityFields",
    "InvalidBankCard",
    "InvalidBirthDate",
    "InvalidIdNumber",
    "InvalidIdentity",
    "InvalidName",
    "InvalidPhone",
    "JurisdictionProfile",
    "Nik",
    "SimulatedBureau",
    "SimulatedFaceMatcher",
    "SimulatedTelco",
    "TelcoCheck",
    "TelcoVerifier",
    "UnknownJurisdiction",
    "VerifiedIdentity",
    "age_years",
    "bank_card_number",
    "check_identity",
    "cn_mobile_e164",
    "id_mobile_e164",
    "iso7064_mod11_2",
    "known_jurisdictions",
    "luhn_valid",
    "make_cn_resident_id",
    "make_nik",
    "parse_cn_resident_id",
    "parse_nik",
    "profile",
    "register_profile",
]
