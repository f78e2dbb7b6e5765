"""Fraud: velocity rules, an identity graph, anomaly and supervised scores, folded into one score."""

from creditline.risk.fraud.assess import ApplicationSignals, FraudAssessment, FraudScreen
from creditline.risk.fraud.errors import InvalidFraudRules
from creditline.risk.fraud.forest import CompiledForest, compile_forest
from creditline.risk.fraud.graph import GraphFeatures, IdentityGraph
from creditline.risk.fraud.keys import SignalKind, signal_key
from creditline.risk.fraud.models import (
    AnomalyModel,
    SupervisedModel,
    fit_anomaly_model,
    fit_supervised_model,
)
from creditline.risk.fraud.rules import FraudRules, builtin_fraud_rules, parse_fraud_rules
from creditline.risk.fraud.velocity import VelocityIndex

__all__ = [
    "AnomalyModel",
    "ApplicationSignals",
    "CompiledForest",
    "FraudAssessment",
    "FraudRules",
    "FraudScreen",
    "GraphFeatures",
    "IdentityGraph",
    "InvalidFraudRules",
    "SignalKind",
    "SupervisedModel",
    "VelocityIndex",
    "builtin_fraud_rules",
    "compile_forest",
    "fit_anomaly_model",
    "fit_supervised_model",
    "parse_fraud_rules",
    "signal_key",
]
