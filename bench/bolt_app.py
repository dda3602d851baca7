"""The comparison point of the acknowledgement budget: a minimal Bolt for Python app
(AsyncApp under uvicorn) handling the same signed `/expire-insurance` command.

BOLT_MODE=ack         acknowledge only (the issue's "minimal app acking the command")
BOLT_MODE=views_open  call views.open on the same Slack stand-in first, then acknowledge,
                      which is the work expire-bot does for this command

Run by bench/bolt.sh; not part of the product.
"""
import os

from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

MODE = os.environ.get("BOLT_MODE", "ack")
client = AsyncWebClient(token="xoxb-bench", base_url=os.environ["SLACK_API_URL"].rstrip("/") + "/")
app = AsyncApp(
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    client=client,
    request_verification_enabled=True,
    process_before_response=True,
)

VIEW = {
    "type": "modal",
    "callback_id": "expiry_request",
    "title": {"type": "plain_text", "text": "Expire insurance"},
    "submit": {"type": "plain_text", "text": "Look up"},
    "blocks": [
        {
            "type": "input",
            "block_id": "rider_query",
            "label": {"type": "plain_text", "text": "Rider"},
            "element": {"type": "plain_text_input", "action_id": "rider_query"},
        }
    ],
}


@app.command("/expire-insurance")
async def expire_insurance(ack, body, client):
    if MODE == "views_open":
        await client.views_open(trigger_id=body["trigger_id"], view=VIEW)
    await ack()


api = AsyncSlackRequestHandler(app, path="/slack/commands")
