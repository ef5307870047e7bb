"""A ceiling on multipart bodies, before a byte of them is read.

Django counts DATA_UPLOAD_MAX_MEMORY_SIZE against a multipart body's text fields only: its
files stream to memory, then to a temporary file, however large. This handler, first of
FILE_UPLOAD_HANDLERS, refuses a body whose declared length is over UPLOAD_MAX_BODY_SIZE when
parsing starts — on every path that parses one: the API's multipart parser, and the CSRF check
reading request.POST for a session's token first. RequestDataTooBig answers 413 in our error
shape (apps/core/api/exceptions.py). Django reads no more than the declared length.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler


class BoundedUploadHandler(FileUploadHandler):
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):  # noqa: N803
        if content_length > settings.UPLOAD_MAX_BODY_SIZE:
            raise RequestDataTooBig("The request body is too large.")

    def receive_data_chunk(self, raw_data, start):
        return raw_data  # the next handler stores it

    def file_complete(self, file_size):
        return None
