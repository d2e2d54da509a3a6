from django import forms

from partnerships.forms import AgencyChoiceField
from partnerships.models import Agency
from partnerships.selectors import current_members_of
from safeguarding.forms import GovukDateField

from .choices import (
    CONSENT_WITHOUT,
    Category,
    Consent,
    Decision,
    EscalationResolution,
    EscalationTheme,
    LawfulBasis,
    QualityRating,
)
from .models import ReferralChild, ReferralHousehold
from .selectors import local_authorities_with_front_door

YES_NO = [("yes", "Yes"), ("no", "No")]


def agencies_in_partnership(partnership_id):
    """The partnership's member agencies open today, to choose from."""
    return (
        Agency.objects.active().filter(pk__in=current_members_of(partnership_id)).order_by("name")
    )


class ChildForm(forms.ModelForm):
    date_of_birth = GovukDateField(
        label="Date of birth",
        required=False,
        help_text="For example, 4 5 2019. Leave blank for an unborn child.",
    )
    expected_due_date = GovukDateField(
        label="Expected due date",
        required=False,
        help_text="Only for an unborn child. For example, 14 2 2027.",
    )

    class Meta:
        model = ReferralChild
        fields = [
            "first_name",
            "last_name",
            "is_unborn",
            "date_of_birth",
            "expected_due_date",
            "address",
            "postcode",
            "school",
            "nhs_number",
        ]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "nhs_number": "Optional. 10 digits, for example 943 476 5919.",
            "first_name": "If the baby is not yet born or named, write “Unborn”.",
        }


class HouseholdForm(forms.ModelForm):
    class Meta:
        model = ReferralHousehold
        fields = ["parents_and_carers", "household_members"]


class LocalAuthorityForm(forms.Form):
    local_authority = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        widget=forms.RadioSelect,
        label="Which local authority does the child live in?",
        help_text="The referral goes to that council's front door.",
        error_messages={"required": "Choose the local authority the child lives in."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["local_authority"].queryset = local_authorities_with_front_door()


class ConcernsForm(forms.Form):
    concerns = forms.CharField(
        label="What are you worried about?",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What you saw or heard, when, and what the child said, in their words.",
        error_messages={"required": "Describe what you are worried about."},
    )
    categories = forms.MultipleChoiceField(
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        label="What kind of harm is it?",
        help_text="Select all that apply.",
        error_messages={"required": "Select at least one kind of harm."},
    )
    immediate_danger = forms.ChoiceField(
        choices=YES_NO,
        widget=forms.RadioSelect,
        label="Is the child in immediate danger?",
        help_text="If they are, call 999 first, then finish this referral.",
        error_messages={"required": "Say whether the child is in immediate danger."},
    )


class ConsentForm(forms.Form):
    consent = forms.ChoiceField(
        choices=Consent.choices,
        widget=forms.RadioSelect,
        label="Did the family agree to this referral?",
        error_messages={"required": "Say whether the family agreed to this referral."},
    )
    reason_without_consent = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Why are you sharing without consent?",
        help_text="Only if the family did not agree or were not asked: the lawful reason, "
        "for example that asking would put the child at greater risk.",
    )

    def clean(self):
        data = super().clean()
        if data.get("consent") in CONSENT_WITHOUT and not data.get("reason_without_consent"):
            self.add_error(
                "reason_without_consent",
                "Give the lawful reason for sharing without the family's consent.",
            )
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=Decision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a decision."},
    )
    reasons = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="The referrer will read these.",
        error_messages={"required": "Give the reasons for the decision."},
    )
    quality_rating = forms.ChoiceField(
        choices=QualityRating.choices,
        widget=forms.RadioSelect,
        required=False,
        label="How good was the referral?",
        help_text="Optional. Counted per agency to plan training; never shown to the referrer.",
    )


class AssessmentForm(forms.Form):
    completed_on = GovukDateField(label="Date the assessment was completed")


class StrategyDiscussionForm(forms.Form):
    held_on = GovukDateField(label="Date of the strategy discussion")


class ConferenceHeldForm(forms.Form):
    held_on = GovukDateField(label="Date the conference was held")


class ConferenceNotNeededForm(forms.Form):
    not_needed_on = GovukDateField(label="Date the enquiry concluded")
    not_needed_reason = forms.CharField(
        label="Why was no conference needed?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The referrer will read this.",
        error_messages={"required": "Say why no conference was needed."},
    )


class SharingForm(forms.Form):
    agency = AgencyChoiceField(label="Share with")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), label="Why is sharing necessary?"
    )
    lawful_basis = forms.ChoiceField(choices=LawfulBasis.choices, widget=forms.RadioSelect)

    def __init__(self, *args, partnership_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies_in_partnership(partnership_id)


class EscalationForm(forms.Form):
    against_agency = AgencyChoiceField(label="Which agency made the decision?")
    decision_disputed = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="What was decided?"
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), label="Why do you disagree?")
    outcome_sought = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="What do you want to happen?"
    )
    theme = forms.ChoiceField(
        choices=EscalationTheme.choices, widget=forms.RadioSelect, label="What is it about?"
    )

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["against_agency"].queryset = agencies_in_partnership(partnership.pk)


class EscalationResponseForm(forms.Form):
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Your response",
        error_messages={"required": "Write your response."},
    )


class EscalationResolveForm(forms.Form):
    resolution = forms.ChoiceField(
        choices=EscalationResolution.choices,
        widget=forms.RadioSelect,
        label="Outcome",
        error_messages={"required": "Choose the outcome."},
    )
    notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="What was agreed"
    )


class GoodPracticeForm(forms.Form):
    agency = AgencyChoiceField(error_messages={"required": "Choose the agency."})
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What was done well?",
        error_messages={"required": "Describe the good practice."},
    )

    def __init__(self, *args, partnership_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies_in_partnership(partnership_id)


class EscalationStageForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(max_length=200, label="Stage name")
    response_working_days = forms.IntegerField(
        min_value=1, max_value=60, label="Working days to respond"
    )


EscalationStageFormSet = forms.formset_factory(EscalationStageForm, extra=0)
