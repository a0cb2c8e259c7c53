from django.contrib.auth import views as auth_views

from debrief.accounts.forms import LoginForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def grant_list(request):
    raise NotImplementedError
