"""Build, check and render what deploys the platform: images, compose checks, the k8s
renderer. Its modules also run as scripts (`python deploy/<name>.py`)."""
