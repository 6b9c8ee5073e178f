from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('brands', '0008_policy_drafts_whatif'),
    ]

    operations = [
        migrations.AddField(
            model_name='brand',
            name='auto_assign',
            field=models.CharField(choices=[('off', 'Off: tickets wait in the queue'), ('round_robin', 'Round-robin among available agents'), ('least_open', 'The available agent with the fewest open tickets')], default='off', help_text='Give each new ticket to an available agent of its tier as it arrives.', max_length=12),
        ),
        migrations.AddField(
            model_name='brandmembership',
            name='last_assigned_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='staffpreference',
            name='alert_delivery',
            field=models.CharField(choices=[('both', 'By mail and in the app'), ('mail', 'By mail only'), ('in_app', 'In the app only')], default='both', help_text='How you hear of assignments, replies, warnings, breaches and mentions.', max_length=6),
        ),
        migrations.AddField(
            model_name='staffpreference',
            name='is_available',
            field=models.BooleanField(default=True, help_text='Automatic assignment gives new tickets only to available agents.'),
        ),
    ]
