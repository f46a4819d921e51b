// The Connection panel: where the Braze workspace is, and the two keys that open it.
#include "braze_instances.hpp"
#include "ui.hpp"

namespace tdbraze::desktop {

void draw_connection_panel(ViewModel& vm, UiState&, const Fonts& fonts) {
    panel_header(fonts, "Connection",
                 "The Braze instance of your workspace and the keys of its Treasure Data partner integration "
                 "(Braze dashboard: Partner Integrations > Technology Partners > Treasure Data).");

    const float label_width = ImGui::GetFontSize() * 11;
    const float field_width = ImGui::GetFontSize() * 26;
    auto label = [&](const char* text) {
        ImGui::AlignTextToFramePadding();
        ImGui::TextUnformatted(text);
        ImGui::SameLine(label_width);
        ImGui::SetNextItemWidth(field_width);
    };

    section("Braze instance");
    const auto instances = braze_instances();
    const std::string current = vm.connection.instance == kCustomEndpoint
                                    ? std::string("Custom URL")
                                    : std::string(instances[static_cast<std::size_t>(vm.connection.instance)].name);
    label("Instance");
    if (ImGui::BeginCombo("##instance", current.c_str())) {
        for (std::size_t i = 0; i < instances.size(); ++i) {
            const std::string item = std::string(instances[i].name) + "   " + std::string(instances[i].rest_endpoint);
            if (ImGui::Selectable(item.c_str(), vm.connection.instance == static_cast<int>(i)))
                vm.connection.instance = static_cast<int>(i);
        }
        if (ImGui::Selectable("Custom URL (a proxy, the local emulator, ...)",
                              vm.connection.instance == kCustomEndpoint))
            vm.connection.instance = kCustomEndpoint;
        ImGui::EndCombo();
    }
    if (vm.connection.instance == kCustomEndpoint) {
        label("REST endpoint");
        ImGui::InputTextWithHint("##custom", "https://rest.example.braze.com", &vm.connection.custom_url);
    } else {
        label("REST endpoint");
        ImGui::TextDisabled("%s", vm.endpoint().c_str());
    }
    label("Partner");
    ImGui::InputText("##partner", &vm.connection.partner);
    ImGui::SameLine();
    ImGui::TextDisabled("(?)");
    tooltip("The {partner} segment of the request paths: treasuredata unless Braze told you otherwise.");

    section("Keys");
    label("Partner API key");
    ImGui::InputText("##partner_key", &vm.connection.partner_api_key, ImGuiInputTextFlags_Password);
    label("Data import key");
    ImGui::InputText("##client_secret", &vm.connection.client_secret, ImGuiInputTextFlags_Password);
    // Everything below lines up with the fields.
    ImGui::Indent(label_width);
    ImGui::PushTextWrapPos(label_width + field_width * 1.6f);
    ImGui::TextDisabled("%s", vm.credentials_note().c_str());
    ImGui::TextDisabled(
        "Keys stay in memory. They are written only when you press \"Save keys\", to a file "
        "only you can read; never to the settings file or the window layout.");
    ImGui::PopTextWrapPos();

    ImGui::Spacing();
    const bool testing = vm.connection_test().state == TaskState::Running;
    if (button(testing ? "Testing ..." : "Test connection", !testing)) vm.test_connection();
    tooltip(with_keys("Ask Braze whether the keys work", Command::TestConnection));
    ImGui::SameLine();
    ImGui::PushStyleColor(ImGuiCol_Button, ImGui::GetStyle().Colors[ImGuiCol_FrameBg]);
    ImGui::PushStyleColor(ImGuiCol_ButtonHovered, ImGui::GetStyle().Colors[ImGuiCol_FrameBgHovered]);
    if (button("Save keys")) vm.save_credentials();
    ImGui::PopStyleColor(2);
    tooltip("Writes both keys to " + secrets::default_config_path() + " with mode 0600.");

    // The answer of the last test, explained.
    const ConnectionTest& test = vm.connection_test();
    if (test.state == TaskState::Done) {
        ImGui::Spacing();
        const ImVec4 tone = test.result.works ? colour::kGood : colour::kError;
        ImGui::PushStyleColor(ImGuiCol_ChildBg, with_alpha(tone, 0.10f));
        ImGui::PushStyleColor(ImGuiCol_Border, with_alpha(tone, 0.55f));
        const float text_height =
            ImGui::CalcTextSize(test.result.message.c_str(), nullptr, false, field_width * 1.5f).y;
        ImGui::BeginChild("answer", ImVec2(field_width * 1.6f, text_height + ImGui::GetFontSize() * 3.2f), true);
        ImGui::TextColored(tone, "%s",
                           test.result.works ? "\u2713 Braze accepted the keys" : "\u2717 Connection failed");
        text_wrapped(ImGui::GetStyle().Colors[ImGuiCol_Text], test.result.message);
        ImGui::EndChild();
        ImGui::PopStyleColor(2);
    }
    ImGui::Unindent(label_width);

    section("What the test does");
    ImGui::PushTextWrapPos(label_width + field_width * 1.6f);
    ImGui::TextDisabled(
        "It sends one membership call with an empty change list to %s/partners/%s/cohorts/users. "
        "Braze checks the keys and the partner before it looks at the changes, so a success means "
        "a sync will be accepted, and no cohort changes.",
        vm.endpoint().c_str(), vm.connection.partner.c_str());
    ImGui::PopTextWrapPos();
}

}  // namespace tdbraze::desktop
