"""Files saved by work that fails are removed with it (storage has no transactions)."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from helpdesk.models import Attachment
from helpdesk.services.stored_files import file_saved, files_removed_on_error


def saved_file(name: str):
    attachment = Attachment(filename=name)
    attachment.file.save(name, ContentFile(b"data"), save=False)
    file_saved(attachment.file)
    return attachment.file


def test_a_block_that_fails_removes_its_files_and_one_that_succeeds_keeps_them(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with files_removed_on_error():
        kept = saved_file("kept.txt")
    with pytest.raises(RuntimeError), files_removed_on_error():
        gone = saved_file("gone.txt")
        raise RuntimeError("the work failed")
    assert default_storage.exists(kept.name)
    assert not default_storage.exists(gone.name)


def test_an_inner_block_that_succeeded_loses_its_files_when_the_outer_one_fails(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(RuntimeError), files_removed_on_error():
        with files_removed_on_error():
            inner = saved_file("inner.txt")
        raise RuntimeError("the outer work failed")
    assert not default_storage.exists(inner.name)
