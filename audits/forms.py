from django import forms
from django.utils import timezone

from partnerships.forms import AgencyChoiceField, AgencyMultipleChoiceField
from partnerships.selectors import member_agencies
from safeguarding.forms import GovukDateField
from safeguarding.working_days import FIRST_YEAR, LAST_YEAR

from .choices import Grade, Rating, SelfAssessmentKind
from .services import MAX_CASES, MAX_QUESTION, MAX_SEED, MAX_TITLE, new_seed

YES_NO = [(True, "Yes"), (False, "No")]


def _yes_no(value):
    return {"True": True, "False": False, True: True, False: False}.get(value)


class PartnershipMembersMixin:
    """Offers the agencies that are members of the partnership the form is for, now."""

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agencies"].queryset = member_agencies(partnership)


class AuditForm(PartnershipMembersMixin, forms.Form):
    title = forms.CharField(max_length=MAX_TITLE)
    theme = forms.CharField(
        max_length=100, help_text="For example, neglect, parental mental health, exploitation."
    )
    scope = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Which children and which period the audit looks at.",
    )
    agencies = AgencyMultipleChoiceField(label="Agencies taking part")
    questions = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=(
            "Questions on the theme every agency answers for each case, one a line, "
            f"each at most {MAX_QUESTION} characters."
        ),
    )
    references = forms.CharField(
        required=False,
        label="Case references",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=(
            "Pseudonymised case references, one a line. Never a child's name. You can also "
            "draw a random sample from a list later."
        ),
    )
    return_due_on = GovukDateField(label="Date the returns are due")
    moderation_on = GovukDateField(required=False, label="Date of the moderation meeting")

    def clean_questions(self):
        return [q.strip() for q in self.cleaned_data["questions"].splitlines() if q.strip()]

    def clean_references(self):
        return [r.strip() for r in self.cleaned_data["references"].splitlines() if r.strip()]


class CasesAddForm(forms.Form):
    references = forms.CharField(
        label="Case references",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Pseudonymised case references, one a line. Never a child's name.",
    )

    def clean_references(self):
        return [r.strip() for r in self.cleaned_data["references"].splitlines() if r.strip()]


class SampleForm(forms.Form):
    file = forms.FileField(
        label="List of cases (CSV)",
        help_text=(
            "A CSV file with a column headed 'reference' (or references in the first column)."
        ),
    )
    size = forms.IntegerField(label="How many cases to draw", min_value=1, max_value=MAX_CASES)
    # Chosen when the form is shown, not when it is sent: the same form sent twice (a double
    # click, a resent page) then carries the same seed, and the second is refused as a repeat
    # of the first draw rather than drawing again with a seed of its own.
    seed = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_SEED,
        initial=new_seed,
        help_text=(
            "The seed this draw will use, chosen at random; you can give your own. It is kept "
            "so anyone can check the draw, and a list is drawn once with the same seed."
        ),
    )


class AuditReturnForm(forms.Form):
    """An agency's return on a case; the theme's questions are added as fields."""

    grade = forms.ChoiceField(
        choices=Grade.choices,
        widget=forms.RadioSelect,
        required=False,
        label="How do you grade your agency's practice on this case?",
    )
    worked_well = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}), label="What worked well"
    )
    worries = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}), label="What worries you"
    )
    child_voice_heard = forms.TypedChoiceField(
        choices=YES_NO,
        coerce=_yes_no,
        empty_value=None,
        widget=forms.RadioSelect,
        required=False,
        label="Was the child's voice heard and recorded?",
    )
    family_feedback = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Family feedback",
        help_text="Leave blank if none was gathered.",
    )
    immediate_concern = forms.BooleanField(
        required=False,
        label="I have an immediate concern about this child's safety",
        help_text="The business team and your agency's safeguarding lead are told at once.",
    )
    immediate_concern_details = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="What is the concern?"
    )

    def __init__(self, *args, questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[f"question_{question.pk}"] = forms.CharField(
                required=False, label=question.text, widget=forms.Textarea(attrs={"rows": 3})
            )
        # The theme's questions come before the immediate concern, which closes the form.
        self.order_fields(
            [name for name in self.fields if not name.startswith("immediate_concern")]
        )

    @property
    def service_error_fields(self) -> dict:
        """Questions left unanswered (the service's "answers") are shown beside the first of
        them, so the error summary leads there rather than to the grade."""
        names = [f"question_{q.pk}" for q in self.questions]
        blank = [name for name in names if not self.cleaned_data.get(name)]
        return {"answers": blank[0]} if blank else {}

    def return_fields(self) -> dict:
        data = dict(self.cleaned_data)
        answers = {q.pk: data.pop(f"question_{q.pk}", "") for q in self.questions}
        return {**data, "answers": answers}


class ReopenForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why is the return being reopened?",
        error_messages={"required": "Say why the return is being reopened."},
    )


class ModerationForm(forms.Form):
    agreed_grade = forms.ChoiceField(
        choices=Grade.choices, widget=forms.RadioSelect, label="Agreed grade"
    )
    findings = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), label="Findings")


class ModerationActionForm(forms.Form):
    owner_agency = AgencyChoiceField(label="Owning agency")
    title = forms.CharField(max_length=200, label="Action")
    recommendation = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Finding it answers"
    )
    due_on = GovukDateField(label="Due date")

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].queryset = agencies


class FollowUpForm(forms.Form):
    title = forms.CharField(max_length=MAX_TITLE, required=False, help_text="Leave blank to reuse.")
    return_due_on = GovukDateField(label="Date the returns are due")
    moderation_on = GovukDateField(required=False, label="Date of the moderation meeting")


class SelfAssessmentRoundForm(PartnershipMembersMixin, forms.Form):
    kind = forms.ChoiceField(choices=SelfAssessmentKind.choices, widget=forms.RadioSelect)
    year = forms.IntegerField(
        min_value=FIRST_YEAR, max_value=LAST_YEAR, initial=lambda: timezone.localdate().year
    )
    deadline = GovukDateField(label="Deadline")
    agencies = AgencyMultipleChoiceField(label="Agencies or schools invited")


class SelfAssessmentForm(forms.Form):
    """Ratings, evidence and action plans, three fields for each standard."""

    def __init__(self, *args, ratings, **kwargs):
        super().__init__(*args, **kwargs)
        self.ratings = list(ratings)
        for r in self.ratings:
            self.fields[f"{r.code}-rating"] = forms.ChoiceField(
                choices=Rating.choices,
                widget=forms.RadioSelect,
                required=False,
                label=r.title,
                initial=r.rating,
            )
            self.fields[f"{r.code}-evidence"] = forms.CharField(
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                label="Evidence",
                initial=r.evidence,
            )
            self.fields[f"{r.code}-action_plan"] = forms.CharField(
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                label="Action plan for any gap",
                initial=r.action_plan,
            )

    def sections(self):
        for r in self.ratings:
            yield r, [self[f"{r.code}-{name}"] for name in ("rating", "evidence", "action_plan")]

    def ratings_data(self) -> dict:
        return {
            r.code: {
                name: self.cleaned_data[f"{r.code}-{name}"]
                for name in ("rating", "evidence", "action_plan")
            }
            for r in self.ratings
        }


class ChallengeEventForm(forms.Form):
    agency = AgencyChoiceField()
    held_on = GovukDateField(label="Date the challenge event was held")
    discussion = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    challenges = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}), label="Challenges raised"
    )
    responses = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}), label="The agency's responses"
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
