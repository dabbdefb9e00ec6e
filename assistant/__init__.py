"""The assistant: answer composition, command line, web page, feedback and spreadsheet classification.

The Gradio page (`assistant.app`) is not imported here, so that the rest loads without the web stack.
"""

from assistant.answer import Answer, compose_answer
from assistant.classify import classify_file
from assistant.feedback import FeedbackStore
from assistant.settings import Settings

__all__ = ["Answer", "FeedbackStore", "Settings", "classify_file", "compose_answer"]
