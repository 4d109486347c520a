from services.common.runner import serve
from services.modelserver.app import create_app

serve("modelserver", create_app, default_port=8004)
