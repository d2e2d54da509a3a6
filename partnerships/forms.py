from django import forms

from .choices import ActionStatus


class ActionProgressForm(forms.Form):
    status = forms.ChoiceField(choices=ActionStatus.choices, widget=forms.RadioSelect)
    completed_on = forms.DateField(
        required=False, label="Date completed", help_text="For example, 2026-11-20"
    )
    evidence_of_completion = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What was done, and where the evidence is.",
    )
    evidence_of_impact = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What difference it has made for children and families.",
    )
