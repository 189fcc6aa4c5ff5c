"""The floor: the smallest Django project that answers JSON, under the shop's own gunicorn
command. Nothing any Django endpoint of the shop does can be cheaper than this."""
