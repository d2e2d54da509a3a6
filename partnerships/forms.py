from django import forms

from .choices import LOWER_IS_BETTER, ActionStatus, IndicatorKey, ReportSection, ScrutinyKind
from .models import Agency, Membership


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


class IndicatorPeriodForm(forms.Form):
    """Which partnership and period the dashboard shows."""

    partnership = forms.ModelChoiceField(queryset=None, empty_label=None)
    date_from = forms.DateField(label="From", help_text="For example, 2026-04-01")
    date_to = forms.DateField(label="To", help_text="For example, 2027-03-31")

    def __init__(self, *args, partnerships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partnership"].queryset = partnerships

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end of the period must be after its start.")
        elif start and end and (end - start).days > 5 * 366:
            self.add_error("date_to", "Choose a period of five years or less.")
        return cleaned


class IndicatorTargetsForm(forms.Form):
    """A green and an amber threshold for each headline indicator; leave both blank for none."""

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        current = {t.indicator: t for t in targets}
        for key in IndicatorKey:
            target = current.get(key)
            direction = "at or below" if key in LOWER_IS_BETTER else "at or above"
            for band in ("green", "amber"):
                self.fields[f"{key.value}_{band}"] = forms.DecimalField(
                    label=f"{key.label}: {band} {direction} (%)",
                    required=False,
                    min_value=0,
                    max_value=100,
                    decimal_places=1,
                    initial=getattr(target, f"{band}_from", None),
                )

    def targets(self) -> dict:
        return {
            key.value: (
                self.cleaned_data[f"{key.value}_green"],
                self.cleaned_data[f"{key.value}_amber"],
            )
            for key in IndicatorKey
        }

    def rows(self):
        """The fields in pairs, one indicator to a row."""
        return [
            (key, self[f"{key.value}_green"], self[f"{key.value}_amber"]) for key in IndicatorKey
        ]


class BenchmarkSharingForm(forms.Form):
    shares_benchmarks = forms.BooleanField(
        required=False, label="Share our figures with partnerships in our region"
    )


class ScrutinyChallengeForm(forms.Form):
    partnership = forms.ModelChoiceField(queryset=None, empty_label=None)
    kind = forms.ChoiceField(
        label="Is this a finding or a challenge?",
        choices=ScrutinyKind.choices,
        widget=forms.RadioSelect,
    )
    addressed_to = forms.ModelChoiceField(
        label="Partner or agency it is addressed to", queryset=None
    )
    title = forms.CharField(max_length=200)
    detail = forms.CharField(
        label="What you found or what you are asking", widget=forms.Textarea(attrs={"rows": 6})
    )
    response_due_on = forms.DateField(label="Response due", help_text="For example, 2026-12-18")

    def __init__(self, *args, partnerships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partnership"].queryset = partnerships
        self.fields["addressed_to"].queryset = (
            Agency.objects.filter(
                memberships__in=Membership.objects.current().filter(partnership__in=partnerships)
            )
            .distinct()
            .order_by("name")
        )


class ScrutinyResponseForm(forms.Form):
    response = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What you have done or will do, and by when.",
    )


class YearlyReportStartForm(forms.Form):
    partnership = forms.ModelChoiceField(queryset=None, empty_label=None)
    period_start = forms.DateField(
        label="First day of the 12 months the report covers", help_text="For example, 2025-04-01"
    )

    def __init__(self, *args, partnerships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partnership"].queryset = partnerships


class YearlyReportEditForm(forms.Form):
    """A narrative for each section and the young person-friendly summary."""

    def __init__(self, *args, report, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in ReportSection.choices:
            self.fields[key] = forms.CharField(
                label=f"Narrative: {label}",
                required=False,
                initial=report.narratives.get(key, ""),
                widget=forms.Textarea(attrs={"rows": 5}),
            )
        self.fields["young_people_summary"] = forms.CharField(
            label="Summary for children and young people",
            required=False,
            initial=report.young_people_summary,
            help_text="Short sentences and everyday words.",
            widget=forms.Textarea(attrs={"rows": 6}),
        )


class YearlyReportPublishForm(forms.Form):
    published_on = forms.DateField(label="Date published", help_text="For example, 2026-09-30")


class YearlyReportSentForm(forms.Form):
    sent_to_panel_on = forms.DateField(label="Sent to the national Panel on", required=False)
    sent_to_what_works_on = forms.DateField(
        label="Sent to the What Works Centre (Foundations) on", required=False
    )
