"""Data: upload a customer table, check the column mapping, calibrate retention per segment."""

import streamlit as st

import simulator
from ui import at_risk, cached, data, price_history, render, saved, state, text

render.page_setup("nav.data")
business = state.business()
limit = st.get_option("server.maxUploadSize")

st.title(text.t("data.title"))
st.markdown(text.t("data.intro"))
saved.flash()
upload_tab, price_tab, saved_tab = st.tabs(
    [text.t("data.tab.upload"), text.t("data.tab.price"), text.t("data.tab.saved")]
)
with saved_tab:
    saved.calibrations_section()
with price_tab:  # before the upload tab, whose steps stop the page until they are done
    price_history.section(limit)
with upload_tab:
    st.caption(text.t("data.limit", limit=limit))
    upload = st.file_uploader(
        text.t("data.upload"),
        type=list(data.FILE_TYPES),
        key="data_upload",
        help=text.t("data.upload.help", limit=limit, large=data.LARGE_MB),
        on_change=data.forget_mapping,
    )
    if upload is None:
        st.info(text.t("data.no_file", name=cached.SAMPLE_CUSTOMERS.name), icon=":material/info:")
        if business != cached.business() and st.button(
            text.t("data.sample_again"),
            key="data_sample_again",
            help=text.t("data.sample_again.help"),
            icon=":material/restart_alt:",
        ):
            state.reset_business()
            st.rerun()
        data.fit_results(cached.sample_calibrated(), cached.business())
        data.drivers(cached.sample_calibrated(), cached.business())
        st.stop()
    try:
        uploaded = state.upload(upload.file_id, upload.name, upload.getvalue())
        table = cached.upload_table(uploaded)
    except simulator.DataError as error:
        data.read_error(error)
        st.stop()
    st.caption(
        text.t(
            "data.table_caption_large" if uploaded.large else "data.table_caption",
            rows=text.number(table.shape[0]),
            columns=text.number(table.shape[1]),
            name=uploaded.name,
            size=text.number(len(uploaded.raw) / 1e6, decimals=1),  # as the uploader shows it
        )
    )

    st.subheader(text.t("data.mapping_header"))
    st.caption(text.t("data.mapping_caption"))
    try:
        mapping = data.mapping_controls(table, cached.upload_proposal(uploaded))
    except ValueError as error:
        st.error(text.t("data.mapping_error", message=error), icon=":material/error:")
        st.stop()
    data.mapping_summary(mapping)
    ready = data.problems(cached.upload_problems(uploaded, mapping))

    clicked = st.button(
        text.t("data.calibrate"),
        key="data_calibrate",
        help=text.t("data.calibrate.help"),
        disabled=not ready,
        type="primary",
        icon=":material/query_stats:",
    )
    if clicked:
        state.set_calibrated_upload(uploaded.digest, mapping)
    if not ready or state.calibrated_upload() != (uploaded.digest, mapping):
        st.stop()
    bar = st.progress(0.05, text=text.t("data.progress.count"))
    try:
        cached.upload_counts(uploaded, mapping)  # the long part on a large file
        bar.progress(0.8, text=text.t("data.progress.fit"))
        result = cached.upload_calibration(uploaded, mapping)
    except ValueError as error:  # simulator.DataError included
        bar.empty()
        st.error(text.t("data.calibration_error", message=error), icon=":material/error:")
        st.stop()
    bar.empty()

    data.fit_results(result, business)
    arpu = data.manual_arpu(mapping, business)
    if st.button(
        text.t("data.use"),
        key="data_use",
        help=text.t("data.use.help"),
        type="primary",
        icon=":material/check:",
    ):
        data.use_calibration(business, result, uploaded.name, arpu)
    data.drivers(result, business)
    at_risk.section(uploaded, mapping, result.calibration, business, state.scenario())
