"""Print the assistant's tools as JSON, to paste into a voice agent's or a model's settings.

``--format retell`` (default) gives Retell custom functions: each tool's name, description and
parameters (its strict JSON schema) with the URL it is called at; ``--format openai`` gives the
Responses API function tools the model engine sends.
"""

import json

from django.core.management.base import BaseCommand

from assistant.tools import tool_schemas


class Command(BaseCommand):
    help = "Print the assistant's tools (name, description, JSON schema) as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=("retell", "openai"), default="retell")
        parser.add_argument(
            "--url",
            default="https://<restaurant host>/voice/retell/tools/",
            help="where the voice agent calls the tools (Retell format)",
        )

    def handle(self, *args, format, url, **options):
        tools = tool_schemas()
        if format == "retell":
            tools = [
                {
                    "type": "custom",
                    "name": tool["name"],
                    "description": tool["description"],
                    "url": url,
                    "parameters": tool["parameters"],
                }
                for tool in tools
            ]
        self.stdout.write(json.dumps(tools, indent=1, ensure_ascii=False))
