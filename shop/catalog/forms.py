from botocore.exceptions import BotoCoreError, ClientError
from django import forms
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile

from .images import thumbnail
from .models import Product, product_image_name
from .selectors import SORT_ORDERS

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


class ProductAdminForm(forms.ModelForm):
    """The admin's product form; a new image is stored while the form is validated.

    Storing it here, not in ``Model.save()``, turns an unreachable object store into an
    error on the image field that the admin shows next to the upload, with everything
    else the user typed kept, instead of a 500 after validation passed.
    """

    class Meta:
        model = Product
        fields = ["name", "slug", "category", "description", "is_active", "price", "stock", "image"]

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image is False:
            self.instance.thumbnail = ""  # the image is being cleared
        if not isinstance(image, UploadedFile):
            return image  # unchanged, cleared, or no upload
        # The model's validators (extension, size) would run only after this method; a
        # refused file must never reach the public bucket.
        Product._meta.get_field("image").run_validators(image)
        try:
            name = default_storage.save(product_image_name(image.name), image)
            # Not a form field: set on the instance, which the form saves as it is.
            self.instance.thumbnail = default_storage.save(
                f"products/thumbnails/{name.rsplit('/', 1)[-1].rsplit('.', 1)[0]}.jpg",
                thumbnail(image),
            )
            return name
        # S3 answers with botocore's errors; the legacy profile's local disk with OSError.
        except (BotoCoreError, ClientError, OSError) as exc:
            raise forms.ValidationError(
                "The image store is not reachable right now, so the image was not saved. "
                "Try again in a moment.",
                code="storage_unavailable",
            ) from exc
