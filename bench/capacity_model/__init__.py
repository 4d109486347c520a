"""The capacity model behind `bench/capacity.py`: a semester of a university's load replayed
against the autoscaling rules rendered from k8s/.

Modules: `inputs` (every figure and its source), `rules` (scaling rules read from the
rendered manifests), `arrivals` (the semester's chats and nightly jobs), `vllm_replica`
(a per-request simulation of one vLLM replica's scheduler), `autoscaler` (KEDA and HPA
behaviour), `simulation` (the semester, tick by tick), `report` (hourly figures, JSON, plots).
"""
