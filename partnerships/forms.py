from collections import defaultdict

from django import forms

from safeguarding.forms import (
    GovukDateField,
    LongSelect,
    date_boxes,
    has_boxes,
    iso_dates_in_boxes,
)

from .choices import (
    LOWER_IS_BETTER,
    ActionStatus,
    IndicatorKey,
    ReportSection,
    ScrutinyKind,
    Sector,
    TrainingTheme,
)
from .indicators import Period, default_period, period_date_errors
from .models import Action
from .selectors import member_agencies


def by_sector(agencies, item=lambda agency: agency) -> list[tuple[str, list]]:
    """(sector label, items) for each sector the agencies are in, in the sectors' order.

    A large partnership's members run to hundreds of schools, GP practices and early years
    settings; grouped, a person finds the police or the council without passing them all.
    """
    items = defaultdict(list)
    for agency in agencies:
        items[agency.sector].append(item(agency))
    return [(sector.label, items[sector]) for sector in Sector if items[sector]]


class AgenciesBySector(forms.models.ModelChoiceIterator):
    """A field's agencies grouped by sector, each sector's by name."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from by_sector(self.queryset, self.choice)


class AgencyChoiceField(forms.ModelChoiceField):
    iterator = AgenciesBySector
    widget = LongSelect

    def __init__(self, *, queryset=None, empty_label="Choose an agency", **kwargs):
        super().__init__(queryset=queryset, empty_label=empty_label, **kwargs)


class AgencyMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Agencies as checkboxes by sector (safeguarding/templatetags/govuk_groups.py)."""

    iterator = AgenciesBySector
    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, queryset=None, **kwargs):
        super().__init__(queryset=queryset, **kwargs)


class ActionProgressForm(forms.Form):
    status = forms.ChoiceField(choices=ActionStatus.choices, widget=forms.RadioSelect)
    completed_on = GovukDateField(required=False, label="Date completed")
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


class PeriodForm(forms.Form):
    """The period a page of figures counts: five years at most, the last 12 months unless asked.

    Its dates are GOV.UK day, month and year boxes (`date_from_0=1&date_from_1=4&...`); a query
    giving one as ISO text (`date_from=2026-04-01`), as links to the page may, is read too."""

    date_from = GovukDateField(
        label="From", error_name="the start of the period", help_text="For example, 1 4 2026"
    )
    date_to = GovukDateField(
        label="To", error_name="the end of the period", help_text="For example, 31 3 2027"
    )

    @classmethod
    def for_query(cls, query, defaults=None, period=None, iso_names=None, **kwargs):
        """The form bound to a page's query string; what the query leaves out is defaulted, the
        period to `period` (the last 12 months unless given). `iso_names` maps other names the
        query may give the dates as ISO text by to the form's."""
        period = period or default_period()
        names = {"date_from": "date_from", "date_to": "date_to", **(iso_names or {})}
        data = {**(defaults or {}), **iso_dates_in_boxes(query.dict(), names)}
        for name, day in (("date_from", period.start), ("date_to", period.end)):
            if not has_boxes(data, name):
                data.update(date_boxes(name, day))
        return cls(data, **kwargs)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        outside = period_date_errors(start, end)
        for name, message in outside.items():
            self.add_error({"start": "date_from", "end": "date_to"}[name], message)
        if outside:
            return cleaned
        if start and end and end < start:
            self.add_error("date_to", "The end of the period must be after its start.")
        elif start and end and (end - start).days > 5 * 366:
            self.add_error("date_to", "Choose a period of five years or less.")
        return cleaned

    @property
    def period(self) -> Period:
        return Period(self.cleaned_data["date_from"], self.cleaned_data["date_to"])


class IndicatorPeriodForm(PeriodForm):
    """Which partnership and period the dashboard shows."""

    partnership = forms.TypedChoiceField(coerce=int)
    field_order = ["partnership", "date_from", "date_to"]

    def __init__(self, *args, partnerships: list, **kwargs):
        """`partnerships` are the person's, already read: offered and checked without a query."""
        super().__init__(*args, **kwargs)
        self.partnerships = {p.pk: p for p in partnerships}
        self.fields["partnership"].choices = [(p.pk, p.name) for p in partnerships]

    def clean_partnership(self):
        return self.partnerships[self.cleaned_data["partnership"]]


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


class PartnershipChoiceForm(forms.Form):
    """Which of a person's partnerships a form is for (views.PartnershipFirstMixin)."""

    partnership = forms.ModelChoiceField(
        queryset=None,
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the partnership it is for.",
            "invalid_choice": "Choose the partnership it is for.",
        },
    )

    def __init__(self, *args, partnerships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partnership"].queryset = partnerships


class ScrutinyChallengeForm(forms.Form):
    kind = forms.ChoiceField(
        label="Is this a finding or a challenge?",
        choices=ScrutinyKind.choices,
        widget=forms.RadioSelect,
    )
    addressed_to = AgencyChoiceField(
        label="Partner or agency it is addressed to", empty_label="Choose a partner or agency"
    )
    title = forms.CharField(max_length=200)
    detail = forms.CharField(
        label="What you found or what you are asking", widget=forms.Textarea(attrs={"rows": 6})
    )
    response_due_on = GovukDateField(label="Date the response is due")

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["addressed_to"].queryset = member_agencies(partnership)


class ScrutinyResponseForm(forms.Form):
    response = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What you have done or will do, and by when.",
    )


class YearlyReportStartForm(forms.Form):
    partnership = forms.ModelChoiceField(queryset=None, empty_label=None)
    period_start = GovukDateField(
        label="First day of the 12 months the report covers", help_text="For example, 1 4 2025"
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
    published_on = GovukDateField(label="Date published")


class YearlyReportSentForm(forms.Form):
    sent_to_panel_on = GovukDateField(label="Date sent to the national Panel", required=False)
    sent_to_what_works_on = GovukDateField(
        label="Date sent to the What Works Centre (Foundations)", required=False
    )


class FinancialContributionForm(forms.Form):
    """One partner's or agency's contribution for the report's period."""

    agency = AgencyChoiceField(
        label="Partner or agency",
        empty_label="Choose a partner or agency",
        error_messages={
            "required": "Choose the partner or agency.",
            "invalid_choice": "Choose a partner or agency of the partnership.",
        },
    )
    amount = forms.DecimalField(
        label="Amount (£)",
        max_digits=12,
        decimal_places=2,
        help_text="Enter 0 if the contribution was only in kind.",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        error_messages={
            "required": "Give the amount, or 0 for a contribution in kind only.",
            "invalid": "Enter the amount as a number, for example 1250.50.",
            "max_digits": "The amount must be less than £10,000,000,000.",
            "max_whole_digits": "The amount must be less than £10,000,000,000.",
            "max_decimal_places": "Give the amount in pounds and pence.",
        },
    )
    in_kind = forms.CharField(
        label="Contribution in kind (optional)",
        required=False,
        help_text="Staff time, rooms, training places or other help given instead of money.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, partnership, agency=None, **kwargs):
        super().__init__(*args, **kwargs)
        if agency is not None:
            # Changing a recorded contribution: the agency is fixed.
            del self.fields["agency"]
        else:
            self.fields["agency"].queryset = member_agencies(partnership)


class TrainingEventForm(forms.Form):
    """A multi-agency training event, with the number attending from each agency."""

    title = forms.CharField(
        max_length=200, error_messages={"required": "Give the training a title."}
    )
    held_on = GovukDateField(label="Date the training was held")
    theme = forms.ChoiceField(
        label="Learning theme",
        choices=[("", "Choose a theme"), *TrainingTheme.choices],
        error_messages={"required": "Choose the learning theme."},
    )
    learning_from = forms.CharField(
        label="The learning it came from (optional)",
        required=False,
        help_text="For example, a rapid review, an audit, or a pattern in referrals.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    recommendation = forms.ModelChoiceField(
        label="Does it answer this review recommendation?",
        queryset=None,
        required=False,
        empty_label="No",
        widget=forms.RadioSelect,
    )
    audience_agencies = AgencyMultipleChoiceField(label="Who it was for (optional)", required=False)
    attendees = forms.IntegerField(
        label="Number of attendees in total (optional if you give them by agency)",
        required=False,
        min_value=0,
        max_value=100_000,
    )
    evaluation_score = forms.DecimalField(
        label="Average evaluation score out of 5 (optional)",
        required=False,
        min_value=1,
        max_value=5,
        max_digits=2,
        decimal_places=1,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    def __init__(self, *args, partnership, recommendation_id=None, **kwargs):
        """`recommendation_id` is the review recommendation offered, if any.

        A partnership's reviews leave thousands of recommendations over the years, too many
        to list: training is linked to one from the recommendation's own page, which offers
        it here, or keeps the one it was linked to when it is changed.
        """
        super().__init__(*args, **kwargs)
        members = member_agencies(partnership)
        self.agencies = list(members)
        self.fields["audience_agencies"].queryset = members
        offered = Action.objects.review_recommendations().filter(
            partnership=partnership, pk=recommendation_id
        )
        if recommendation_id is None or not offered.exists():
            del self.fields["recommendation"]
        else:
            self.fields["recommendation"].queryset = offered.select_related("owner_agency")
            self.fields["recommendation"].label_from_instance = lambda action: (
                f"Yes: {action.recommendation or action.title} ({action.owner_agency})"
            )
        for agency in self.agencies:
            self.fields[f"attending_{agency.pk}"] = forms.IntegerField(
                label=agency.name, required=False, min_value=0, max_value=100_000
            )

    def attendance_groups(self):
        return by_sector(self.agencies, lambda agency: self[f"attending_{agency.pk}"])

    def service_data(self) -> dict:
        """The cleaned answers as the training services take them."""
        data = {k: v for k, v in self.cleaned_data.items() if not k.startswith("attending_")}
        data["attendance"] = {
            agency: self.cleaned_data[f"attending_{agency.pk}"]
            for agency in self.agencies
            if self.cleaned_data.get(f"attending_{agency.pk}")
        }
        return data
