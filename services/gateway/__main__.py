from services.common.runner import serve
from services.gateway.app import create_app

serve("gateway", create_app, default_port=8000)
