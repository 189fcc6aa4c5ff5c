from django import forms

# Input bounds, beyond any line limit of the cart (CARTS["OPTIONS"]["MAX_QUANTITY"]):
# larger numbers are typing errors, refused as input before the cart's own limits
# (which answer with how many may be had) apply.
MAX_QUANTITY_INPUT = 999
MAX_PRODUCT_ID = 2**31 - 1  # the largest id the database stores


class AddToCartForm(forms.Form):
    product_id = forms.IntegerField(min_value=1, max_value=MAX_PRODUCT_ID, widget=forms.HiddenInput)
    quantity = forms.IntegerField(min_value=1, max_value=MAX_QUANTITY_INPUT, initial=1)
    # Rendered fresh with the product page: a resubmitted form (double click, reload,
    # retry after a lost response) adds once.
    idempotency_key = forms.CharField(required=False, max_length=255, widget=forms.HiddenInput)


class SetQuantityForm(forms.Form):
    quantity = forms.IntegerField(min_value=0, max_value=MAX_QUANTITY_INPUT)
