from services.common.runner import serve
from services.trainer.app import create_app

serve("trainer", create_app, default_port=8003)
