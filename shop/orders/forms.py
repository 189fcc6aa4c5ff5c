from django import forms

from .models import Order
from .services import ShippingAddress

ADDRESS_FIELDS = {
    "name": "ship_name",
    "line1": "ship_line1",
    "line2": "ship_line2",
    "city": "ship_city",
    "postal_code": "ship_postal_code",
    "country": "ship_country",
}


class UpperCaseField(forms.CharField):
    def to_python(self, value):
        return super().to_python(value).upper()


class ShippingAddressForm(forms.ModelForm):
    """The shipping address, validated by the Order model's own field rules.

    Used by the checkout page and, with the API's field names, by the checkout API.
    """

    # Rendered with the page: a double click or a back-and-resubmit makes one order.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=255)

    class Meta:
        model = Order
        fields = list(ADDRESS_FIELDS.values())
        field_classes = {"ship_country": UpperCaseField}
        widgets = {
            "ship_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "ship_line1": forms.TextInput(attrs={"autocomplete": "address-line1"}),
            "ship_line2": forms.TextInput(attrs={"autocomplete": "address-line2"}),
            "ship_city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "ship_postal_code": forms.TextInput(attrs={"autocomplete": "postal-code"}),
            "ship_country": forms.TextInput(attrs={"autocomplete": "country", "size": 2}),
        }

    def address(self) -> ShippingAddress:
        data = self.cleaned_data
        return ShippingAddress(**{api: data[model] for api, model in ADDRESS_FIELDS.items()})


def address_form(api_data, idempotency_key):
    """The form bound to an API ``shipping_address`` object (API field names)."""
    data = {model: api_data.get(api, "") for api, model in ADDRESS_FIELDS.items()}
    return ShippingAddressForm({**data, "idempotency_key": idempotency_key})
