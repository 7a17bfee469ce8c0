"""Pure UI components: functions from props/vars to rx.Component."""
