from services.common.runner import serve
from services.ingest.app import create_app

serve("ingest", create_app, default_port=8001)
