"""Helpers for the API views of every app: validated input, form errors in API shape."""


def validated(serializer_class, data):
    """``serializer_class(data=data)``'s validated data; raises DRF's ``ValidationError``
    (a 400 naming each bad field) otherwise."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def form_errors(form, rename=None):
    """A Django form's errors as the API's ``errors`` object, fields renamed if asked."""
    rename = rename or {}
    return {
        rename.get(field, field): [error["message"] for error in errors]
        for field, errors in form.errors.get_json_data().items()
    }
