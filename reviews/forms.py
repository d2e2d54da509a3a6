from django import forms

from partnerships.choices import Sector
from partnerships.forms import AgencyChoiceField, AgencyMultipleChoiceField
from partnerships.models import Agency, Membership
from partnerships.selectors import member_agencies
from safeguarding.forms import DATE_HINT, GovukDateField

from .choices import AbuseCategory, Decision, IncidentType


def _text(label, rows=5, **kwargs):
    return forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": rows}), **kwargs)


class SeriousIncidentForm(forms.Form):
    """The pseudonymised incident record; the children are a formset beside it."""

    local_authority = forms.ModelChoiceField(
        label="Local authority where it happened",
        queryset=Agency.objects.filter(sector=Sector.LOCAL_AUTHORITY),
    )
    home_local_authority = forms.ModelChoiceField(
        label="The child's home local authority (if different)",
        queryset=Agency.objects.filter(sector=Sector.LOCAL_AUTHORITY),
        required=False,
    )
    incident_type = forms.ChoiceField(
        label="What happened", choices=IncidentType.choices, widget=forms.RadioSelect
    )
    looked_after = forms.BooleanField(label="The child was looked after", required=False)
    categories = forms.MultipleChoiceField(
        label="Categories of abuse or neglect",
        choices=AbuseCategory.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    became_aware_on = GovukDateField(label="Date the local authority became aware")
    summary = _text("Short summary", help_text="Do not include the child's name.")
    agencies_involved = AgencyMultipleChoiceField(
        label="Agencies involved with the child and family",
        required=False,
        help_text="Each will be asked for a chronology and summary of its involvement.",
    )

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agencies_involved"].queryset = member_agencies(partnership)


class IncidentChildForm(forms.Form):
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    date_of_birth = GovukDateField(label="Date of birth")


class BaseIncidentChildFormSet(forms.BaseFormSet):
    default_error_messages = {"too_few_forms": "Add at least one child."}

    def get_form_kwargs(self, index):
        # Any of the four may be left blank, the first too: "at least one child" is the
        # formset's own check, one plain message rather than "required" beside each field.
        return {**super().get_form_kwargs(index), "empty_permitted": True}


IncidentChildFormSet = forms.formset_factory(
    IncidentChildForm,
    formset=BaseIncidentChildFormSet,
    extra=3,
    min_num=1,
    max_num=4,
    validate_min=True,
    validate_max=True,
)


class NotificationForm(forms.Form):
    notified_on = GovukDateField(label="Date the Panel was notified")


class MeetingForm(forms.Form):
    held_on = GovukDateField(label="Date of the rapid review meeting")
    attendees = _text("Who attended", rows=3)
    notes = _text("Notes of the meeting", required=False)
    immediate_safety_actions = _text("Immediate safety actions", required=False)
    learning = _text("Learning identified", required=False)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.RadioSelect)
    reasons = _text("Reasons for the decision", required=False)


class SubmitForm(forms.Form):
    submitted_on = GovukDateField(label="Date the rapid review went to the Panel")


class ExtensionForm(forms.Form):
    new_due_on = GovukDateField(label="New deadline")
    reason = _text("Reason for the extension", rows=3, required=False)


class RecommendationForm(forms.Form):
    owner_agency = AgencyChoiceField(label="Agency that owns it")
    recommendation = _text("Recommendation", rows=3)
    title = forms.CharField(label="Action", max_length=200, help_text="What the agency will do.")
    due_on = GovukDateField(label="Due date")

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].queryset = Agency.objects.filter(
            pk__in=Membership.objects.current().filter(partnership=partnership).values("agency_id")
        )


class AgencyReturnForm(forms.Form):
    chronology = _text(
        "Chronology",
        rows=10,
        required=False,
        help_text="Each contact with the child and family: date, who, what happened.",
    )
    summary = _text("Summary of involvement", rows=6, required=False)


class PracticeReviewForm(forms.Form):
    reviewer = forms.CharField(label="Independent reviewer", max_length=200, required=False)
    terms_of_reference = _text("Terms of reference", required=False)
    final_report = forms.FileField(label="Final report", required=False)
    sent_to_panel_on = GovukDateField(
        label="Date sent to the Panel and the Secretary of State",
        required=False,
        help_text=f"At least 7 working days before publication. {DATE_HINT}",
    )
    published_on = GovukDateField(label="Date published", required=False)
    learning_briefing = _text(
        "Learning lessons briefing", rows=8, required=False, help_text="One page."
    )


class MilestoneForm(forms.Form):
    title = forms.CharField(
        label="Milestone", max_length=200, error_messages={"required": "Give the milestone."}
    )
    due_on = GovukDateField(label="Due date")
