from django import forms


class AddToCartForm(forms.Form):
    product_id = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)
    quantity = forms.IntegerField(min_value=1, max_value=999, initial=1)
    # Rendered fresh with the product page: a resubmitted form (double click, reload,
    # retry after a lost response) adds once.
    idempotency_key = forms.CharField(required=False, max_length=255, widget=forms.HiddenInput)


class SetQuantityForm(forms.Form):
    quantity = forms.IntegerField(min_value=0, max_value=999)
