from services.common.runner import serve
from services.inference.app import create_app

serve("inference", create_app, default_port=8002)
