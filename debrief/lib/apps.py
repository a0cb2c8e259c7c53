from django.apps import AppConfig


class LibConfig(AppConfig):
    """Shared helpers. Installed (it has no models) so that its translation catalogue
    in debrief/lib/locale is loaded like every app's."""

    name = "debrief.lib"
    label = "debrief_lib"
