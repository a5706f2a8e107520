# The Service Gap Impact Simulator as a container: http://localhost:8501 after
#   docker build -t service-gap-sim . && docker run --rm -p 8501:8501 service-gap-sim
# See README.md, "Deploy".
FROM python:3.11-slim

# Hosted, not developed: no usage stats, no file watcher (the code is baked in), no developer
# menu, and generic error messages in the browser (tracebacks go to the container log).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false \
    STREAMLIT_SERVER_FILE_WATCHER_TYPE=none \
    STREAMLIT_CLIENT_TOOLBAR_MODE=viewer \
    STREAMLIT_CLIENT_SHOW_ERROR_DETAILS=none

WORKDIR /app

# Exactly the pinned runtime set (requirements.txt, the lock's runtime part): --no-deps installs
# nothing unlisted and `pip check` fails the build if the list is incomplete.
COPY requirements.txt ./
RUN pip install --no-cache-dir --no-deps -r requirements.txt && pip check

# Only what `streamlit run app.py` needs; owned by root, so the app user cannot change its code.
COPY pyproject.toml app.py ./
COPY .streamlit/ .streamlit/
COPY pages/ pages/
COPY ui/ ui/
COPY locales/ locales/
COPY simulator/ simulator/
COPY sample_data/ sample_data/
# The core installed editable, as scripts/bootstrap.sh installs it: `python -m simulator` and the
# `service-gap` console script work from any directory on the code in /app (no second copy).
RUN pip install --no-cache-dir --no-deps -e . && pip check
# The app's own bytecode, written once here: PYTHONDONTWRITEBYTECODE keeps the server from
# writing it, so every process would compile these modules again (pip compiled the packages).
RUN python -m compileall -q app.py pages ui simulator

# Uploads are staged under the system temp folder (/tmp), which the app user can write.
# Saved scenarios and calibrations go to a SQLite file in /data (a volume: mount one so they
# outlive the container), unless SERVICE_GAP_DATABASE_URL names a database server.
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin app \
    && mkdir /data && chown app /data
ENV SERVICE_GAP_STORE_PATH=/data/service-gap.sqlite
VOLUME ["/data"]
USER app
# Compile the Monte Carlo engine's loop (simulator/cohort_pools.py) at build time: numba caches
# the machine code in the app user's home, so a new container's first Uncertainty or Explore
# page does not wait seconds for the compiler.
RUN python -c "from simulator.model.batch import simulate_draws; from simulator.model.sample import \
example_scenario, sample_business; simulate_draws(sample_business(), example_scenario(), draws=1)"

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=3)"]

# .streamlit/config.toml binds to 127.0.0.1 for ./dev; in a container the server must listen on
# every interface, so the command line overrides it.
CMD ["streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501", "--server.headless=true"]
