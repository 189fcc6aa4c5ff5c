import logging

from django import forms
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile

from .models import Product, product_image_name
from .selectors import SORT_ORDERS

logger = logging.getLogger(__name__)

SEARCH_MAX_LENGTH = 200


class CatalogQueryForm(forms.Form):
    """The catalog's query string, validated once for the page and the API alike."""

    search = forms.CharField(required=False, max_length=SEARCH_MAX_LENGTH, strip=True)
    category = forms.SlugField(required=False, max_length=100)
    sort = forms.ChoiceField(
        required=False, choices=[(key, key) for key in SORT_ORDERS], initial="name"
    )

    def clean_sort(self):
        return self.cleaned_data["sort"] or "name"


class ProductImageField(forms.ImageField):
    """The product image on the admin form, decoded once by ``prepare_product_image``.

    Django's own ``ImageField`` opens every upload with Pillow before any check of ours
    runs, and answers a decompression bomb like any unreadable file; here the upload
    stays a plain file until the form decodes it under the pixel ceiling.
    """

    def to_python(self, data):
        return forms.FileField.to_python(self, data)


class ProductAdminForm(forms.ModelForm):
    """The admin's product form; a new image is checked, re-encoded and stored here.

    The upload is decoded and re-encoded in ``clean_image`` (nothing is stored yet), and
    written to storage only once the whole form, model validation included, is valid:
    a refused upload, or a form refused for any other field, leaves nothing in the
    bucket. Storing during validation, not in ``Model.save()``, turns an unreachable
    object store into an error on the image field next to the upload, with everything
    else the user typed kept, instead of a 500 after validation passed.
    """

    image = ProductImageField(required=False)

    class Meta:
        model = Product
        fields = ["name", "slug", "category", "description", "is_active", "price", "stock", "image"]

    def clean_image(self):
        image = self.cleaned_data.get("image")
        self._prepared_image = None
        if image is False:
            self.instance.thumbnail = ""  # the image is being cleared
        if not isinstance(image, UploadedFile):
            return image  # unchanged, cleared, or no upload
        # The model's validators (extension, size) would run only after this method; they
        # are cheap and go first, before the upload is decoded.
        Product._meta.get_field("image").run_validators(image)
        # Imported here: Pillow is for uploads, not for the workers serving pages.
        from .images import prepare_product_image

        self._prepared_image = prepare_product_image(image)
        return image

    def _post_clean(self):
        # ModelForm's hook that builds the instance and runs model validation (unique
        # slug and the rest); only after it is it known that the product will be saved.
        super()._post_clean()
        prepared = getattr(self, "_prepared_image", None)
        if prepared is not None and not self.errors:
            self._store(prepared)

    def _store(self, prepared):
        """Write the image and its thumbnail; on failure, neither stays in the bucket."""
        # Imported here: serving workers load the S3 client only to store (shop.core.storage).
        from botocore.exceptions import BotoCoreError, ClientError

        stored = []
        try:
            # The upload's own name is never used: the key comes from the decoded format.
            name = product_image_name(f"image.{prepared.extension}")
            stored.append(default_storage.save(name, prepared.original))
            stem = stored[0].rsplit("/", 1)[-1].rsplit(".", 1)[0]
            thumbnail_name = f"products/thumbnails/{stem}.jpg"
            stored.append(default_storage.save(thumbnail_name, prepared.thumbnail))
        # S3 answers with botocore's errors; the legacy profile's local disk with OSError.
        except (BotoCoreError, ClientError, OSError):
            logger.warning("Product image not stored", exc_info=True)
            _delete_quietly(stored)
            self.add_error(
                "image",
                forms.ValidationError(
                    "The image store is not reachable right now, so the image was not saved. "
                    "Try again in a moment.",
                    code="storage_unavailable",
                ),
            )
            return
        # Not what the form saves as it is: the stored names replace the upload.
        self.instance.image = stored[0]
        self.instance.thumbnail = stored[1]


def _delete_quietly(names):
    """Remove what a failed store already wrote; a store that is down may refuse that too."""
    from botocore.exceptions import BotoCoreError, ClientError

    for name in names:
        try:
            default_storage.delete(name)
        except (BotoCoreError, ClientError, OSError):
            logger.warning("Could not remove %s after a failed upload", name, exc_info=True)
