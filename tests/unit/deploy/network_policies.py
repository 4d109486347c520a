"""Which connections the rendered NetworkPolicies allow, worked out as Kubernetes does:
a pod selected by a policy of a direction is isolated in that direction, and a connection
passes when some policy of the destination allows it in (ingress) and some policy of the
source allows it out (egress). No network plugin runs here, so this is how the tests see
the namespace's firewall."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.unit.deploy.k8s_objects import of_kind, selects

Obj = dict[str, Any]


@dataclass(frozen=True)
class Endpoint:
    """A pod: its labels and its namespace's labels (None: an address outside the cluster)."""

    labels: dict[str, str] = field(default_factory=dict)
    namespace: dict[str, str] | None = None


def _peer_matches(peer: Obj, other: Endpoint, own_namespace: str) -> bool:
    if "ipBlock" in peer:
        return other.namespace is None  # only addresses outside the cluster are modelled so
    if other.namespace is None:
        return False
    if "namespaceSelector" in peer:
        in_namespace = selects(peer["namespaceSelector"], other.namespace)
    else:  # a podSelector alone means pods of the policy's own namespace
        in_namespace = other.namespace.get("kubernetes.io/metadata.name") == own_namespace
    return in_namespace and selects(peer.get("podSelector", {}), other.labels)


def _port_matches(rule: Obj, port: int) -> bool:
    return "ports" not in rule or any(p.get("port") == port for p in rule["ports"])


def _allowed(
    policies: list[Obj], direction: str, pod: Endpoint, other: Endpoint, port: int
) -> bool:
    """Whether `pod`'s policies of `direction` ("Ingress"/"Egress") let `other` through."""
    peers_key = "from" if direction == "Ingress" else "to"
    rules_key = direction.lower()
    isolating = [
        p
        for p in policies
        if pod.namespace is not None
        and p["metadata"]["namespace"] == pod.namespace.get("kubernetes.io/metadata.name")
        and selects(p["spec"]["podSelector"], pod.labels)
        and direction in p["spec"].get("policyTypes", ["Ingress"])
    ]
    if not isolating:
        return True
    for policy in isolating:
        namespace = policy["metadata"]["namespace"]
        for rule in policy["spec"].get(rules_key, []):
            peers = rule.get(peers_key)
            reaches = not peers or any(_peer_matches(p, other, namespace) for p in peers)
            if reaches and _port_matches(rule, port):
                return True
    return False


def connects(objects: tuple[Obj, ...], source: Endpoint, target: Endpoint, port: int) -> bool:
    policies = of_kind(objects, "NetworkPolicy")
    return _allowed(policies, "Egress", source, target, port) and _allowed(
        policies, "Ingress", target, source, port
    )
